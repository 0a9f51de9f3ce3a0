"""Which claimed rows a stopping process may hand back (integrations/shutdown.InFlight)."""
from __future__ import annotations

import pytest

from bot.delivery import DeliveryError
from integrations.shutdown import InFlight


class Recording:
    platform = "slack"

    def __init__(self, in_flight: InFlight, fail: bool = False) -> None:
        self.in_flight, self.fail, self.held_back = in_flight, fail, set()

    def deliver(self, message):  # type: ignore[no-untyped-def]
        self.held_back = set(self.in_flight._ids)
        if self.fail:
            raise DeliveryError("slack said no")
        return None


class Row:
    def __init__(self, id: int) -> None:
        self.id = id


def test_a_row_just_delivered_is_not_handed_back_before_it_is_marked_sent() -> None:
    """A stop between the post and marking the row sent must keep it: handed back, a restart
    would post it again."""
    in_flight = InFlight()
    [tracked] = in_flight.wrap({"slack": Recording(in_flight)}).values()

    tracked.deliver(Row(7))

    assert in_flight.stop() == {7}


def test_a_thread_s_next_delivery_settles_its_last_and_a_failure_is_not_kept() -> None:
    in_flight = InFlight()
    notifier = Recording(in_flight)
    [tracked] = in_flight.wrap({"slack": notifier}).values()
    tracked.deliver(Row(7))
    tracked.deliver(Row(8))
    assert notifier.held_back == {8}  # 7 was settled before 8 started
    notifier.fail = True
    with pytest.raises(DeliveryError):
        tracked.deliver(Row(9))

    assert in_flight.stop() == set()  # 9 failed: handing it back is right


def test_once_stopping_no_delivery_starts() -> None:
    in_flight = InFlight()
    [tracked] = in_flight.wrap({"slack": Recording(in_flight)}).values()
    in_flight.stop()
    with pytest.raises(DeliveryError):
        tracked.deliver(Row(1))
