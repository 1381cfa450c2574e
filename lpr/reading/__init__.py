"""Reading plates, inference only, laid out by stage: locate/ (where a photo's crops come from), segment/ (learned
segmentation), engines/ (what reads a crop, on torch or onnxruntime), vote, the pipeline, and the one assembly of
a reader (assemble; `Reader` in api). Nothing here imports training, and nothing imports torch unless a checkpoint
is read."""
