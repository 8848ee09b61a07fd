"""Control-plane domain: job registry, attempts and their state machine, reconciler, events, notifications."""
