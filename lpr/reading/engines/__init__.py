"""The readers of a plate crop: the Engine protocol (base), the classic engine (segment, then classify each
character), the whole-plate CTC engine, PP-OCR's recognizer, and loading any of them from a checkpoint (torch) or an
exported model (onnxruntime)."""
