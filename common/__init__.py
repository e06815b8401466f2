"""Domain-free helpers shared by the apps (no models, not an installed app): reading uploaded office
files, writing CSV/XLSX downloads. Nothing here knows about schools, staff or leave."""
