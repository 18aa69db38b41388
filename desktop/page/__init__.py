"""The map page: its static shell (built once with folium) and the assets it may load."""
