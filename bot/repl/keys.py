"""Key bindings on top of prompt_toolkit's Emacs defaults (history, Ctrl-R search, Ctrl-D)."""

from __future__ import annotations

from prompt_toolkit.filters import is_searching
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.key_binding.bindings.mouse import load_mouse_bindings
from prompt_toolkit.key_binding.key_bindings import KeyHandlerCallable
from prompt_toolkit.keys import Keys

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

    # prompt_toolkit reads any `ESC [ digits m` as a mouse event, so a raw `ESC[31m` typed or
    # pasted without bracketed paste reached its mouse handler, which failed to parse it and
    # printed "Unhandled exception in event loop". Real mouse events still go to that handler;
    # what it cannot parse is a stray escape sequence, and is dropped.
    mouse = _prompt_toolkit_mouse_handler()

    @kb.add(Keys.Vt100MouseEvent)
    def _mouse_or_stray_escape(event: KeyPressEvent) -> object:
        try:
            return mouse(event)
        except (ValueError, IndexError, KeyError, TypeError):
            return None

    return kb


def _prompt_toolkit_mouse_handler() -> KeyHandlerCallable:
    (binding,) = [b for b in load_mouse_bindings().bindings if b.keys == (Keys.Vt100MouseEvent,)]
    return binding.handler
