"""kmscli: AWS KMS on your own machine, shaped exactly like `aws kms`."""

__version__ = "0.1.0"
