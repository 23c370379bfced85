"""What a labelled figure is, for the plotting tests."""


def labelled(ax) -> bool:
    return bool(ax.get_xlabel() and ax.get_ylabel() and ax.get_title())
