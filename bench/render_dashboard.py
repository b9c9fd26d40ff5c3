#!/usr/bin/env python3
"""Draws the panels of a Grafana dashboard JSON from their own PromQL, queried from Prometheus.

usage: render_dashboard.py DASHBOARD.json PROMETHEUS_URL START END OUT.png

Only what dashboards/outbox-relay.json uses: time series panels laid out by gridPos (24 columns), targets with
expr and legendFormat, units s / reqps / short. $__rate_interval becomes 4 scrape intervals (20s), as Grafana
computes it for a 5 s scrape.
"""
import json
import re
import sys
import urllib.parse
import urllib.request
from datetime import datetime, timezone

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

BG, PANEL, GRID, TEXT = "#111217", "#181b1f", "#2c3235", "#ccccdc"
COLORS = ["#73bf69", "#f2cc0c", "#5794f2", "#ff9830", "#f2495c", "#b877d9", "#8ab8ff", "#fade2a"]


def query(url, expr, start, end, step=5):
    expr = expr.replace("$__rate_interval", "20s")
    q = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": step})
    with urllib.request.urlopen(f"{url}/api/v1/query_range?{q}") as r:
        data = json.load(r)
    if data.get("status") != "success":
        raise SystemExit(f"query failed: {expr}: {data}")
    return data["data"]["result"]


def legend(fmt, labels):
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), fmt) or str(labels)


def main():
    dashboard, url, start, end, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    spec = json.load(open(dashboard))
    panels = [p for p in spec["panels"] if p.get("type") != "row"]  # rows are headings only
    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
    fig = plt.figure(figsize=(16, rows * 0.42), facecolor=BG)
    fig.suptitle(f"{spec['title']} (rendered from dashboards/outbox-relay.json)  ·  {datetime.fromtimestamp(start, timezone.utc):%Y-%m-%d %H:%M} UTC,"
                 f" {(end - start) // 60} min", color=TEXT, x=0.01, ha="left", fontsize=13)
    for p in panels:
        g = p["gridPos"]
        top = 0.965  # room for the title
        ax = fig.add_axes([g["x"] / 24 + 0.012, top - (g["y"] + g["h"]) / rows * top + 0.035,
                           g["w"] / 24 - 0.024, g["h"] / rows * top - 0.075], facecolor=PANEL)
        ax.set_title(p["title"], color=TEXT, loc="left", fontsize=10)
        unit = p["fieldConfig"]["defaults"].get("unit", "short")
        color = 0
        for t in p["targets"]:
            for series in query(url, t["expr"], start, end):
                xs = [datetime.fromtimestamp(float(v[0]), timezone.utc) for v in series["values"]]
                ys = [float(v[1]) if v[1] not in ("NaN", "+Inf", "-Inf") else float("nan") for v in series["values"]]
                c = COLORS[color % len(COLORS)]
                color += 1
                ax.plot(xs, ys, color=c, linewidth=1.6, label=legend(t.get("legendFormat", ""), series["metric"]))
                ax.fill_between(xs, ys, color=c, alpha=0.10)
        ax.set_ylim(bottom=0, top=None if ax.get_ylim()[1] > 1 or unit != "short" else 1)
        ax.set_ylabel({"s": "seconds", "reqps": "per second"}.get(unit, ""), color=TEXT, fontsize=8)
        ax.tick_params(colors=TEXT, labelsize=8)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=timezone.utc))
        ax.grid(color=GRID, linewidth=0.6)
        for s in ax.spines.values():
            s.set_color(GRID)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left", fontsize=7, facecolor=PANEL, edgecolor=GRID, labelcolor=TEXT, ncol=3)
    fig.savefig(out, dpi=80, facecolor=BG)


if __name__ == "__main__":
    main()
