class Vapid01:
    @classmethod
    def from_pem(cls, private_key: bytes) -> Vapid01: ...

class Vapid02(Vapid01): ...

Vapid = Vapid02
