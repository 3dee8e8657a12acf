from flask import Blueprint

bp = Blueprint("boardpacks", __name__)
