"""Champion and challenger: the promotion rule, the model registry on disk, and the promotion that uses both."""
