"""What proves the record: histories, replay verification, exports and archives."""
