"""Deployment: lpr's trained models exported to ONNX and checked against PyTorch on real inputs. It stands above both
training (it loads a LightningModule) and reading (it reads with the exported model), so neither imports the other."""
