"""The loan book: loans imported daily from the core banking system, with their related persons."""
