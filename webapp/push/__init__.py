"""Web Push: notifications on the phones that allowed them, for what the inbox holds and collection's notices."""
