"""Samples and loaders: plate inputs and the one photo split, character and plate DataModules, the generators."""
