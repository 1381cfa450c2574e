"""Networks: plain nn.Modules that know nothing of Lightning; each has a YAML in configs/model/."""
