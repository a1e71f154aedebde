"""Collection (清收): overdue loans worked to deadlines, from the first call to the credit committee's decision."""
