"""Bookings (预约, issue 19): slots, booking and cancelling, check-in and the booked call order, the
ID card reader's input."""
