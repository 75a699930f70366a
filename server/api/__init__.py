"""REST API v1: thin routes over the service layer, validated and documented by pydantic."""
