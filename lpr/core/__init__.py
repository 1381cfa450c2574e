"""What every stage shares and nothing else: the alphabet, errors, images, model input, plate formats, plate
metrics, boxes and config validation. Imports nothing else of lpr."""
