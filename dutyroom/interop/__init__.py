"""Speaking the formats of the duty room's world: CAP 1.2 export, EDXL-SitRep view, reporting upward (分级报送)."""
