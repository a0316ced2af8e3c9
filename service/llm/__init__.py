"""Instruction-tuned language models: the prompts they are given (``prompts/``), and the client of
the OpenAI-compatible servers that run them remotely."""
