--
Example Shop, 1 Market Street, Springfield
