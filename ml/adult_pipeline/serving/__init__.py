"""The prediction service (serve.py): the registry's champion behind the Open Inference Protocol v2 and
the MLflow/SageMaker ``/invocations`` form, following promotions without a restart."""
