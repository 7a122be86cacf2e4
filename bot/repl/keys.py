"""Key bindings on top of prompt_toolkit's Emacs defaults (history, Ctrl-R search, Ctrl-D)."""

from __future__ import annotations

from prompt_toolkit.filters import is_searching
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

from .state import State

LEAVE_HINT = "Ctrl-D or /quit to leave"


def key_bindings(state: State) -> KeyBindings:
    kb = KeyBindings()

    # Ctrl-C clears the line and stays, as in a shell; only Ctrl-D or /quit leave. While
    # searching history, prompt_toolkit's own Ctrl-C (abort the search) applies.
    @kb.add("c-c", filter=~is_searching)
    def _clear(event: KeyPressEvent) -> None:
        buffer = event.app.current_buffer
        if buffer.text:
            buffer.reset()
        else:
            state.hint = LEAVE_HINT
        event.app.invalidate()

    return kb
