"""Reading plates: the Engine protocol, the classic and CTC engines on torch or onnxruntime, the vote and the
pipeline from photos to readings. Nothing here imports torch unless a torch engine is loaded."""
