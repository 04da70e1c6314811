"""Request bodies of the orders API (pydantic); field limits keep hostile input small and typed."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

COUNTRY = r"^[A-Za-z]{2}$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class ProofFields(_Body):
    order_number: str = Field(min_length=1, max_length=40)
    email: str | None = Field(default=None, max_length=320)
    postcode: str | None = Field(default=None, max_length=32)
    customer_token: str | None = Field(default=None, max_length=2000)
    phone: str | None = Field(default=None, max_length=40)
    # Accepted for older clients and logs; limits do not use it (the caller chooses it), see limits.py.
    conversation_id: str | None = Field(default=None, max_length=200)


class LookupBody(ProofFields):
    pass


class CancelBody(ProofFields):
    reason: str | None = Field(default=None, max_length=500)


class Address(_Body):
    name: str = Field(default="", max_length=200)
    line1: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postcode: str = Field(min_length=1, max_length=32)
    country: str = Field(pattern=COUNTRY)

    @field_validator("country")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class AddressBody(ProofFields):
    address: Address


class ReturnItem(_Body):
    product_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(default=1, ge=1, le=1000)


class ReturnBody(ProofFields):
    items: list[ReturnItem] | None = Field(default=None, max_length=100)
    reason: str = Field(default="", max_length=1000)
    sealed: bool = False


class MyOrdersBody(_Body):
    customer_token: str = Field(min_length=1, max_length=2000)
    conversation_id: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=5, ge=1, le=50)


class QuoteItem(_Body):
    product_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(default=1, ge=1, le=1000)


class QuoteBody(_Body):
    items: list[QuoteItem] = Field(min_length=1, max_length=100)
    country: str = Field(pattern=COUNTRY)
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    express: bool = False

    @field_validator("country", "currency")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value
