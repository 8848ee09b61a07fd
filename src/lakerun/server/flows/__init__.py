"""`/v1/flows`: the NiFi flows inventory and its conversions."""
