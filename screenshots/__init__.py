"""The README's pictures and the script that makes them from the app."""
