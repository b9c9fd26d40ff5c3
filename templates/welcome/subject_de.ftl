Willkommen bei Example Shop, ${name}!
