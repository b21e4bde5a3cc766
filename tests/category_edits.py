"""Rewrite the categories of a panoptic JSON (test data)."""
import json


def rewrite_categories(src: str, dst: str, fn) -> dict:
    """Copy a panoptic JSON with ``fn(categories) -> (categories in their
    new order, old -> new id)`` applied to its categories and segments.
    Returns the id mapping."""
    with open(src) as f:
        data = json.load(f)
    cats, mapping = fn(data['categories'])
    data['categories'] = [dict(c, id=mapping[c['id']]) for c in cats]
    for ann in data['annotations']:
        for seg in ann['segments_info']:
            seg['category_id'] = mapping[seg['category_id']]
    with open(dst, 'w') as f:
        json.dump(data, f)
    return mapping
