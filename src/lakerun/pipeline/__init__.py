"""Config-driven medallion pipeline: layer config models, plan builder, evaluator and job export."""
