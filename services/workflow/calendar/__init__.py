"""Calendar announcements (administrators add the yearly swaps and make-up days) and explained deadlines."""
