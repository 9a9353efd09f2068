"""The API's routers, one per resource; `tunedesk.serve.app.create_app` includes them."""
