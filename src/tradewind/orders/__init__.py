"""Order management at the edge of the engine: persist-then-act, retries, reconciliation.

* :mod:`~tradewind.orders.manager`: the :class:`OrderManager` in front of any broker; every
  order is committed to the store with its client order id before the broker sees it, and looked
  up by that id (never resent blindly) after a timeout or a crash;
* :mod:`~tradewind.orders.retry`: how transient broker errors are retried;
* :mod:`~tradewind.orders.account`: the run's baseline account and the book it implies;
* :mod:`~tradewind.orders.reconcile`: the broker's account against that book.

The store implements :class:`~tradewind.orders.manager.OrderStore`; nothing here imports it.
"""
