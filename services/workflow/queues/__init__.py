"""What each agency and each officer has to do, soonest due first."""
