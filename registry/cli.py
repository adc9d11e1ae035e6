"""Registry commands."""
from flask.cli import AppGroup

cli = AppGroup("registry", help="Sổ đăng ký tài khoản.")
