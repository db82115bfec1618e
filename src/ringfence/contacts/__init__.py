"""The CRM domain: customer profiles with encrypted, findable phone numbers."""

from ringfence.contacts.errors import ConcurrentUpdate, ContactNotFound
from ringfence.contacts.model import Contact, PhonePoint
from ringfence.contacts.store import ContactStore

__all__ = ["ConcurrentUpdate", "Contact", "ContactNotFound", "ContactStore", "PhonePoint"]
