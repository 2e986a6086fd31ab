"""The Product aggregate: a unique SKU, a description, a price, stock on hand, and a status."""

from __future__ import annotations

from decimal import Decimal

from write.aggregate import Aggregate
from write.command_errors import (
    DomainError,
    InsufficientStock,
    InvalidInput,
    ProductUnavailable,
    SkuTaken,
)
from write.domain_limits import STOCK_MAX
from write.products.product_events import (
    ProductAdded,
    ProductDescribed,
    ProductDiscontinued,
    ProductPriceChanged,
    ProductRestocked,
    ProductStockReleased,
    ProductStockReserved,
    ProductSupplierAssigned,
)
from write.suppliers.supplier import Supplier

ACTIVE = "active"
DISCONTINUED = "discontinued"


class Product(Aggregate):
    TYPE = "Product"

    def __init__(
        self,
        id: str,
        sku: str,
        name: str,
        description: str,
        category: str,
        price: Decimal,
        stock: int,
        status: str = ACTIVE,
        version: int = 0,
        supplier_id: str | None = None,
    ) -> None:
        super().__init__(id, version)
        self.sku = sku
        self.name = name
        self.description = description
        self.category = category
        self.price = price
        self.stock = stock
        self.status = status
        self.supplier_id = supplier_id

    def unique_values(self) -> dict[str, DomainError]:
        return {"sku": SkuTaken(self.sku)}

    @classmethod
    def add(
        cls,
        id: str,
        sku: str,
        name: str,
        description: str,
        category: str,
        price: Decimal,
        stock: int,
    ) -> Product:
        product = cls(id, sku, name, description, category, price, stock)
        product.record(ProductAdded(sku, name, description, category, price, stock))
        return product

    def change_price(self, price: Decimal) -> None:
        self._require_active("change the price of")
        if price != self.price:
            self.price = price
            self.record(ProductPriceChanged(price=price))

    def restock(self, quantity: int) -> None:
        self._require_active("restock")
        if self.stock + quantity > STOCK_MAX:
            raise InvalidInput({"quantity": f"would bring the stock above {STOCK_MAX}"})
        self.stock += quantity
        self.record(ProductRestocked(quantity=quantity, stock=self.stock))

    def describe(self, name: str, description: str, category: str) -> None:
        self._require_active("describe")
        if (name, description, category) != (self.name, self.description, self.category):
            self.name, self.description, self.category = name, description, category
            self.record(ProductDescribed(name=name, description=description, category=category))

    def assign_supplier(self, supplier: Supplier) -> None:
        self._require_active("assign a supplier to")
        if supplier.id != self.supplier_id:
            previous, self.supplier_id = self.supplier_id, supplier.id
            self.record(
                ProductSupplierAssigned(supplier.id, supplier.version, supplier.name, previous)
            )

    def discontinue(self) -> None:
        self._require_active("discontinue")
        self.status = DISCONTINUED
        self.record(ProductDiscontinued())

    def reserve(self, order_id: str, quantity: int) -> None:
        """Take `quantity` out of stock for an order being placed."""
        if self.status != ACTIVE:
            raise ProductUnavailable(self.id)
        if quantity > self.stock:
            raise InsufficientStock(self.id, quantity, self.stock)
        self.stock -= quantity
        self.record(ProductStockReserved(order_id=order_id, quantity=quantity, stock=self.stock))

    def release(self, order_id: str, quantity: int) -> None:
        """Give back what a cancelled order reserved. A compensation, so it is never refused: not
        for a discontinued product, nor above STOCK_MAX (a restock's limit)."""
        self.stock += quantity
        self.record(ProductStockReleased(order_id=order_id, quantity=quantity, stock=self.stock))

    def _require_active(self, action: str) -> None:
        if self.status != ACTIVE:
            raise self.refuse(f"Cannot {action} a discontinued product.")
