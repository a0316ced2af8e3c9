"""Remote models: OpenAI-compatible chat-completions servers the service talks to over HTTP."""
