"""The hello service written the original platform's way: a FastAPI app served by uvicorn.

Same route, body and answer as the host's hello service: POST /services/hello/hello with
{"name": "Bob"} answers "Hello Bob". Run: python3 -m uvicorn fastapi_hello:app (from this folder).
"""

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()
greeting_phrase = "Hello"


class HelloInput(BaseModel):
    """The entrypoint's arguments, validated by pydantic as the original platform did."""

    name: str


@app.post("/services/hello/hello")
def hello(arguments: HelloInput) -> str:
    """Greets the caller; the original's entrypoints were plain functions run in a thread pool."""
    return f"{greeting_phrase} {arguments.name}"
