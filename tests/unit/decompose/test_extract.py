"""What the Java (tree-sitter) and Python (ast) readers find in small, known sources."""

from __future__ import annotations

import pytest

from skylift.decompose import java, python
from skylift.decompose.sql import tables_in

JAVA = b"""
package shop.orders;
import javax.persistence.*;
@Entity @Table(name = "purchase_orders")
public class Order extends BaseEntity implements Auditable {
  @ManyToOne private Customer customer;
  class Line { Item item; }
}
"""

CONTROLLER = b"""
package shop.web;
@RestController @RequestMapping("/orders")
public class OrderController {
  private final OrderRepository repo;
  @GetMapping("/{id}") public Order one(Long id) { return repo.find(id); }
  @PostMapping public Order add(Order o) { Audit.log(o); return repo.save(o); }
  void raw() { jdbc.query("SELECT o.id FROM purchase_orders o JOIN customers c ON 1=1"); }
}
"""

JAXRS = b"""
@Path("/flights") public class FlightsREST {
  @GET @Path("/{id}") public String get() { return ""; }
}
@WebServlet("/login") class LoginServlet extends HttpServlet {}
"""


def test_java_entity_inheritance_and_references() -> None:
    (order,) = java.read("Order.java", JAVA)
    assert order.name == "shop.orders.Order"
    assert order.owns_table == "purchase_orders"
    assert order.supers == ["BaseEntity", "Auditable"]
    assert order.refs["Customer"] == 1 and order.refs["Item"] == 1  # nested types count


def test_java_spring_controller_entry_points_and_sql() -> None:
    (ctl,) = java.read("OrderController.java", CONTROLLER)
    assert ctl.entry_points == ["GET /orders/{id}", "POST /orders"]
    assert ctl.tables == {"purchase_orders", "customers"}
    assert ctl.refs["Audit"] == 1  # static call
    assert ctl.refs["OrderRepository"] == 1 and ctl.refs["Order"] == 3


def test_java_jaxrs_and_servlet() -> None:
    flights, login = java.read("Rest.java", JAXRS)
    assert flights.entry_points == ["GET /flights/{id}"]
    assert login.entry_points == ["servlet /login"]


def test_java_syntax_error_is_reported() -> None:
    with pytest.raises(ValueError, match="line 2"):
        java.read("Bad.java", b"class A {\n  void m( {\n}")


def test_python_models_routes_and_views() -> None:
    src = b"""
from django.db import models
class Product(models.Model):
    name = models.CharField()
class Basket(models.Model):
    class Meta:
        db_table = "baskets"
class Order(Base):
    __tablename__ = "orders"
@app.route("/cart", methods=["GET", "POST"])
def cart():
    return Basket.objects.all()
@router.get("/items/{id}")
async def item(id):
    db.execute("select * from inventory where id = %s")
class Home(TemplateView):
    pass
"""
    units = {u.name.rsplit(".", 1)[-1]: u for u in python.read("shop/catalog/models.py", src)}
    assert units["Product"].owns_table == "catalog_product"  # Django's <app>_<model>
    assert units["Basket"].owns_table == "baskets"
    assert units["Order"].owns_table == "orders"
    module = units["models"]  # the module's functions form one unit
    assert module.entry_points == ["GET/POST /cart", "GET /items/{id}"]
    assert module.tables == {"inventory"} and module.refs["Basket"] == 1
    assert units["Home"].entry_points == ["view Home"]


def test_python_syntax_error_is_reported() -> None:
    with pytest.raises(ValueError, match="line 1"):
        python.read("bad.py", b"def (:\n")


@pytest.mark.parametrize(
    ("sql", "tables"),
    [
        ("SELECT * FROM a JOIN s.b ON a.x = b.x", {"a", "b"}),
        ("insert into orders (id) values (1)", {"orders"}),
        ("update account set x = 1", {"account"}),
        ("from the beginning", set()),  # not SQL
    ],
)
def test_tables_in_sql(sql: str, tables: set[str]) -> None:
    assert tables_in(sql) == tables


def test_flask_sqlalchemy_default_table_and_non_sql_text() -> None:
    src = b'class UserToken(db.Model):\n    id = db.Column()\nX = "Update the profile set"\n'
    (unit,) = python.read("app/models.py", src)
    assert unit.owns_table == "user_token"
    assert tables_in("Delete from the list") == {"the"}  # SQL-shaped text is taken as SQL
    assert tables_in("Update all from here") == set()
