"""A base class shared by the shop actions: abstract, so neither rasa_sdk nor we register it."""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action


class ShopAction(Action, ABC):
    """An action of the shop bot."""

    @abstractmethod
    def name(self) -> str:
        """The action's name."""

    @staticmethod
    def order_label(order_id: str | None) -> str:
        return f"order {order_id}" if order_id else "your order"
