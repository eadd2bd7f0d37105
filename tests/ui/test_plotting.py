"""The plotting helpers: physical axes for zooms, and the spine display window."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lumbarlib.ui.plotting import (
    FULL_WIDTH_PANELS,
    PANEL_METADATA,
    TEXT_COLUMN_PANELS,
    contact_sheet,
    draw_arrows,
    draw_dlr_architecture,
    figure_png,
    outline_window,
    panel_grid,
    panels_per_row,
    show_image,
    spine_window,
    standard_window,
    window,
)

PIXEL_MM = (0.9375, 0.703125)


def test_a_zoom_keeps_the_millimetres_of_the_whole_image():
    image = np.arange(40 * 50, dtype=float).reshape(40, 50)
    fig, (whole, zoom) = plt.subplots(1, 2)
    show_image(whole, image, pixel_mm=PIXEL_MM, title="whole")
    im = show_image(zoom, image, pixel_mm=PIXEL_MM, title="zoom", window=(slice(10, 20), slice(5, 25)))
    left, right, bottom, top = im.get_extent()
    assert (left, right) == pytest.approx((5 * PIXEL_MM[1], 25 * PIXEL_MM[1]))
    assert (top, bottom) == pytest.approx((10 * PIXEL_MM[0], 20 * PIXEL_MM[0]))
    np.testing.assert_array_equal(im.get_array(), image[10:20, 5:25])
    with pytest.raises(ValueError, match="'window'.*selects no pixel.*\\(40, 50\\)"):
        show_image(zoom, image, pixel_mm=PIXEL_MM, title="empty", window=(slice(45, 50), slice(None)))
    plt.close(fig)


def test_spine_window_leaves_out_the_bright_back_fat():
    image = np.full((20, 100), 1.0)
    image[:, 90:] = 10.0  # the subcutaneous fat next to the coil, posterior
    assert window([image])[1] == 10.0
    assert spine_window([image]) == (0.0, 1.0)


def test_outline_covers_the_zoomed_pixels():
    fig, ax = plt.subplots()
    show_image(ax, np.zeros((40, 50)), pixel_mm=PIXEL_MM, title="whole")
    box = outline_window(ax, (slice(10, 20), slice(5, 25)), PIXEL_MM)
    assert box.get_xy() == pytest.approx((5 * PIXEL_MM[1], 10 * PIXEL_MM[0]))
    assert (box.get_width(), box.get_height()) == pytest.approx((20 * PIXEL_MM[1], 10 * PIXEL_MM[0]))
    plt.close(fig)


def test_the_architecture_diagram_names_the_networks_sizes():
    fig, ax = plt.subplots()
    draw_dlr_architecture(ax, n_blocks=22, n_high=48)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "x 22" in texts and "48 components" in texts and "49 components" in texts
    assert "zero-frequency" in texts
    arrows = [c for c in ax.get_children() if type(c).__name__ == "Annotation" and c.get_text() == ""]
    assert len(arrows) == 7
    plt.close(fig)


def test_contact_sheet_shows_every_image_at_one_window_with_one_colour_bar():
    images = [np.full((30, 20), float(k)) for k in range(5)]
    fig = contact_sheet(
        images, pixel_mm=(1.0, 1.5), titles=[f"v{k}" for k in range(5)], suptitle="all", vmin=0.0, vmax=4.0, ncols=3
    )
    shown = [ax for ax in fig.axes if ax.get_visible() and ax.images]
    assert [ax.get_title() for ax in shown] == [f"v{k}" for k in range(5)]
    assert all(ax.images[0].get_clim() == (0.0, 4.0) for ax in shown)
    assert len([ax for ax in fig.axes if ax.get_label() == "<colorbar>"]) == 1
    assert shown[0].get_xlabel() == "anterior-posterior (mm)"
    plt.close(fig)
    with pytest.raises(ValueError, match="'images' and 'titles'"):
        contact_sheet(images, pixel_mm=(1.0, 1.0), titles=["one"], suptitle="x", vmin=0.0, vmax=1.0)
    with pytest.raises(ValueError, match="'vmin', 'vmax'"):
        contact_sheet(images, pixel_mm=(1.0, 1.0), titles=list("abcde"), suptitle="x", vmin=1.0, vmax=1.0)


def test_standard_window_is_set_on_the_spine_of_that_volunteers_standard_image(study_factory):
    study = study_factory(n_volunteers=2, shape=(20, 40))
    # a bright back (the last columns, next to the coil) must not darken the spine
    study.images["standard"][:, :, :, -4:] = 50.0
    study.images["double-fast"][1] *= 3.0  # another set of the volunteer does not move it
    low, high = standard_window(study, 2)
    assert low == 0.0
    assert high == pytest.approx(spine_window([study.images["standard"][1, 0]])[1])
    assert high < 10.0 < window(study.images["standard"][1, 0])[1]
    with pytest.raises(ValueError, match="'volunteer' = 3"):
        standard_window(study, 3)
    with pytest.raises(ValueError, match="no 'standard' set"):
        standard_window(study.__class__(images={}, truth=study.truth, labels=study.labels, pixel_mm=study.pixel_mm), 1)


def test_arrows_point_at_the_pixel_centres_in_mm():
    fig, ax = plt.subplots()
    show_image(ax, np.zeros((20, 30)), pixel_mm=(2.0, 1.0), title="t")
    arrows = draw_arrows(ax, [(4, 10), (15, 3)], (2.0, 1.0), length_mm=5.0)
    assert [a.xy for a in arrows] == [(10.5, 9.0), (3.5, 31.0)]
    assert arrows[0].xyann == (5.5, 4.0)  # from the upper left
    with pytest.raises(ValueError, match="'length_mm' = 0"):
        draw_arrows(ax, [(1, 1)], (1.0, 1.0), length_mm=0.0)
    plt.close(fig)


def test_panels_per_row_counts_images_and_plots_side_by_side_but_not_colour_bars_or_glyphs():
    fig, axes = plt.subplots(2, 4)
    for ax in axes[0, :3]:
        fig.colorbar(ax.imshow(np.zeros((40, 40))), ax=ax)  # colour bars are not panels
    axes[0, 3].set_visible(False)  # a hidden slot is not one either
    axes[1, 0].imshow(np.zeros((16, 16)))  # a small training patch is
    for ax in axes[1, 1:]:
        ax.plot([0, 1])  # so is a plot
    assert panels_per_row(fig) == 4
    png, metadata = figure_png(fig)
    assert png[:4] == b"\x89PNG" and metadata == {PANEL_METADATA: 4}
    plt.close(fig)
    fig, axes = plt.subplots(1, 3)
    fig.colorbar(axes[0].imshow(np.zeros((40, 40))), ax=axes[0])
    assert panels_per_row(fig) == 1  # two empty axes are not panels
    plt.close(fig)
    fig = plt.figure()
    top, bottom = fig.subfigures(2, 1)  # rows of subfigures are rows
    for ax in [*top.subplots(1, 2), bottom.subplots()]:
        ax.plot([0, 1])
    assert panels_per_row(fig) == 2
    plt.close(fig)
    fig, axes = plt.subplots(7, 7)  # 7 x 7 glyphs (the DCT basis) are not panels to read
    for ax in axes.flat:
        ax.imshow(np.zeros((7, 7)))
    assert panels_per_row(fig) == 1
    plt.close(fig)


def test_panel_grid_wraps_panels_into_rows_and_hides_spare_slots():
    fig, axes = panel_grid(5, ncols=FULL_WIDTH_PANELS, panel_inches=(4.0, 3.0))
    assert len(axes) == 5 and tuple(fig.get_size_inches()) == (12.0, 6.0)
    for ax in axes:
        ax.imshow(np.zeros((40, 40)))
    assert panels_per_row(fig) == 3
    assert sum(ax.get_visible() for ax in fig.axes) == 5
    plt.close(fig)
    fig, axes = panel_grid(4)
    for ax in axes:
        ax.plot([0, 1])
    assert panels_per_row(fig) == TEXT_COLUMN_PANELS
    plt.close(fig)
    with pytest.raises(ValueError, match="'ncols' = 4"):
        panel_grid(4, ncols=4)
    with pytest.raises(ValueError, match="'n' = 0"):
        panel_grid(0)
