"""Use cases: one function per thing a user does, checking access and returning DTOs or Changes."""
