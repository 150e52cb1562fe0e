"""Leaders' instructions (批示) and supervision (督办): each named unit owes feedback on the statutory clocks."""
