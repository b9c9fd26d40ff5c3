Reset your Example Shop password
