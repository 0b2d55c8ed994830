"""A form validation action: needs the domain's ``forms`` and writes into ``tracker.slots``."""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher

# imported, not defined here: discovery registers it once, from orders
from .orders import ActionGreet

CITIES = {"riyadh": "Riyadh", "jeddah": "Jeddah"}

__all__ = ["ActionGreet", "ValidateAddressForm"]


class ValidateAddressForm(FormValidationAction):
    def name(self) -> str:
        return "validate_address_form"

    def validate_city(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
        city = CITIES.get(str(value).strip().lower())
        if city is None:
            dispatcher.utter_message(response="utter_unknown_city", city=value)
        return {"city": city}
