"""When the hall works: its working-day calendar, what a working day is, and its extra service
periods (延时 / 错时服务)."""
