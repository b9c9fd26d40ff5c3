package org.outboxrelay.state;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import javax.sql.DataSource;

/**
 * The suppression list in the state database (table {@code suppression}): addresses of an account that no job
 * sends to any more, for every list or for one. A shared store is read at each job, never cached, so that an
 * unsubscribe on one relay holds on all of them at once. The embedded store, which only this relay writes, keeps
 * a {@link SuppressionIndex} of the addresses on the list, so that a job none of whose recipients is on it needs
 * no read.
 */
public class SuppressionStore {

    private static final String COLUMNS = "account, list_name, address, reason, detail, job_id, created_at";

    private final Jdbc jdbc;
    /** The embedded store's index (null: a shared store, read at every look-up). */
    private final SuppressionIndex index;

    /** The list of a shared store: read at every look-up. */
    public SuppressionStore(DataSource dataSource) {
        this.jdbc = new Jdbc(dataSource);
        this.index = null;
    }

    private SuppressionStore(DataSource dataSource, int minIndexCapacity) {
        this.jdbc = new Jdbc(dataSource);
        this.index = new SuppressionIndex(() -> jdbc.count("SELECT COUNT(*) FROM suppression"),
                each -> jdbc.forEach("SELECT address_lower FROM suppression", r -> r.getString(1), each),
                minIndexCapacity);
    }

    /**
     * The list of a store that only this relay writes (the embedded one), with its index: every write to the
     * table must go through this store.
     */
    public static SuppressionStore onlyWriter(DataSource dataSource) {
        return new SuppressionStore(dataSource, SuppressionIndex.MIN_CAPACITY);
    }

    /** {@link #onlyWriter} with an index sized for fewer addresses (tests of its rebuild). */
    static SuppressionStore onlyWriter(DataSource dataSource, int minIndexCapacity) {
        return new SuppressionStore(dataSource, minIndexCapacity);
    }

    /** Adds the address; false when it is already on that list (the first reason stays). */
    public boolean add(Suppression s) {
        String key = Suppression.key(s.address());
        if (index == null) {
            return insert(s, key);
        }
        return index.adding(key, () -> insert(s, key));
    }

    private boolean insert(Suppression s, String key) {
        return jdbc.insertIfAbsent("INSERT INTO suppression (account, list_name, address, address_lower, reason,"
                + " detail, job_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                s.account(), s.list(), s.address().strip(), key, s.reason().id(),
                cut(s.detail(), 2000), s.jobId(), s.createdAt());
    }

    /** Removes the address from one list ({@code list} given, "" for the account-wide entry) or from all. */
    public int remove(String account, String address, String list) {
        if (list == null) {
            return jdbc.update("DELETE FROM suppression WHERE account = ? AND address_lower = ?",
                    account.toLowerCase(java.util.Locale.ROOT), Suppression.key(address));
        }
        return jdbc.update("DELETE FROM suppression WHERE account = ? AND address_lower = ? AND list_name = ?",
                account.toLowerCase(java.util.Locale.ROOT), Suppression.key(address), list);
    }

    /**
     * Which of these addresses a job of {@code list} (null: a job of no list) must not be sent to: those
     * suppressed for every list, and those who left that list. Keyed by lower-case address.
     */
    public Map<String, Suppression> suppressed(String account, String list, Collection<String> addresses) {
        Set<String> keys = new TreeSet<>();
        addresses.forEach(a -> keys.add(Suppression.key(a)));
        Map<String, Suppression> out = new LinkedHashMap<>();
        if (keys.isEmpty() || index != null && !index.mayHoldAny(keys)) {
            return out;
        }
        List<Object> args = new ArrayList<>();
        args.add(account.toLowerCase(java.util.Locale.ROOT));
        args.add(list == null ? Suppression.EVERY_LIST : list);
        args.addAll(keys);
        List<Suppression> found = jdbc.query("SELECT " + COLUMNS + " FROM suppression WHERE account = ?"
                + " AND list_name IN ('', ?) AND address_lower IN (" + Jdbc.marks(keys.size()) + ")"
                + " ORDER BY list_name", SuppressionStore::read, args.toArray());
        for (Suppression s : found) {
            out.putIfAbsent(Suppression.key(s.address()), s); // the account-wide entry ('') first
        }
        return out;
    }

    /** The entries of an account, optionally of one list and/or one address, oldest first. */
    public List<Suppression> list(String account, String list, String address, int offset, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM suppression WHERE account = ?");
        List<Object> args = new ArrayList<>(List.of(account.toLowerCase(java.util.Locale.ROOT)));
        if (list != null) {
            sql.append(" AND list_name = ?");
            args.add(list);
        }
        if (address != null) {
            sql.append(" AND address_lower = ?");
            args.add(Suppression.key(address));
        }
        sql.append(" ORDER BY created_at, address_lower, list_name LIMIT ? OFFSET ?");
        args.add(limit);
        args.add(offset);
        return jdbc.query(sql.toString(), SuppressionStore::read, args.toArray());
    }

    public long count(String account) {
        return jdbc.count("SELECT COUNT(*) FROM suppression WHERE account = ?",
                account.toLowerCase(java.util.Locale.ROOT));
    }

    private static Suppression read(ResultSet r) throws SQLException {
        return new Suppression(r.getString("account"), r.getString("list_name"), r.getString("address"),
                SuppressionReason.of(r.getString("reason")), r.getString("detail"), r.getString("job_id"),
                Jdbc.instant(r, "created_at"));
    }

    static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
