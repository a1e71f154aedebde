from typing import Any

# A client's methods are made at run time from the service's JSON description: Any is all a stub can say.
def client(service_name: str, **kwargs: Any) -> Any: ...
