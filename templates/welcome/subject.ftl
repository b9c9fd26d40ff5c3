Welcome to Example Shop, ${name}!
