"""Assessment (考评): findings and appeals, adoptions, period scores, rankings, the monthly 通报."""
